"""The operator's tools, beside the use cases: the appliance's files, backups and restores,
rollback, doctor, log tails, housekeeping, health. They may call services; services never
call them."""
