"""Data protection: erasing a candidate (GDPR Art. 17), exporting what is held about one
(Art. 15), and retention (anonymising candidates past the organization's period and purging old
events, webhook attempts, notifications and audit rows). See docs/privacy.md."""
