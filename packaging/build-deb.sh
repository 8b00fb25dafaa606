#!/bin/sh
# Build dist/wisebook_<version>_<arch>.deb from the frozen bundle (make bundle) with dpkg-deb:
# /opt/wisebook (the bundle), /usr/bin/wisebook-ctl, the default /etc/wisebook/wisebook.conf
# (a conffile, kept across upgrades) and the maintainer scripts of packaging/debian/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
bundle="${WISEBOOK_BUNDLE:-$top/dist/bundle/wisebook}"  # another bundle: the upgrade test's second build
[ -x "$bundle/wisebook-ctl" ] || { echo "build-deb: no bundle: run make bundle first" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$top/pyproject.toml" | head -n 1 | sed 's/\.dev/~dev/')
version="${WISEBOOK_DEB_VERSION:-$version}"
arch=$(dpkg --print-architecture)
stage="$top/build/deb/wisebook_${version}_${arch}"

rm -rf "$stage"
install -d "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/etc/wisebook" "$stage/usr/share/doc/wisebook"
cp -a "$bundle" "$stage/opt/wisebook"
printf '%s\n' "$version" > "$stage/opt/wisebook/VERSION"  # what health and status say
# Shared objects stripped of their symbols and not executable, as Debian ships them (the
# bootloader keeps its embedded archive: it is not stripped).
find "$stage/opt/wisebook/_internal" -type f -name '*.so*' -exec chmod 0644 {} + \
    -exec strip --strip-unneeded --remove-section=.comment --remove-section=.note {} +
install -d "$stage/usr/share/man/man1" "$stage/usr/share/lintian/overrides"
gzip -9n < "$here/debian/wisebook-ctl.1" > "$stage/usr/share/man/man1/wisebook-ctl.1.gz"
install -m 0644 "$here/debian/lintian-overrides" "$stage/usr/share/lintian/overrides/wisebook"
install -m 0755 "$here/debian/wisebook-ctl.sh" "$stage/usr/bin/wisebook-ctl"
install -m 0644 "$here/debian/wisebook.conf" "$stage/etc/wisebook/wisebook.conf"
install -m 0644 "$here/debian/copyright" "$stage/usr/share/doc/wisebook/copyright"
printf 'wisebook (%s) stable; urgency=medium\n\n  * WiseBook %s.\n\n -- WiseBook <exploitation@wisebook.app>  %s\n' \
    "$version" "$version" "$(date -R)" | gzip -9n > "$stage/usr/share/doc/wisebook/changelog.gz"
for script in preinst postinst prerm postrm; do
    install -m 0755 "$here/debian/$script" "$stage/DEBIAN/$script"
done
echo /etc/wisebook/wisebook.conf > "$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$here/debian/control.in" > "$stage/DEBIAN/control"

install -d "$top/dist"
dpkg-deb --build --root-owner-group -Zxz "$stage" "$top/dist/wisebook_${version}_${arch}.deb" >/dev/null
echo "$top/dist/wisebook_${version}_${arch}.deb"
