#!/bin/sh
# wisebook-ctl for the operator: the frozen program with the appliance's settings.
set -e
WISEBOOK_CONFIG_FILES="${WISEBOOK_CONFIG_FILES:-/etc/wisebook/wisebook.conf:/etc/wisebook/secrets.env}"
export WISEBOOK_CONFIG_FILES
exec /opt/wisebook/wisebook-ctl "$@"
