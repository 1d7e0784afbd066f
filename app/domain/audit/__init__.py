"""The audit trail of sensitive actions (erasures, exports, downloads, keys, permissions,
connections), written in the same transaction as the action and readable by admins."""
