"""Mail intake: read mailboxes and file each message on its contacts and cases."""
