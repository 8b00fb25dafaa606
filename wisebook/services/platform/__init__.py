"""What every feature leans on: mail, files and S3, attachments, webhooks and the outbound
guard, idempotency keys, the audit log, task runs."""
