#include "catalog.h"

/* Realistic but made-up: addresses are from documentation ranges. */
const char *const gen_catalog[] = {
    "Failed password for root from 203.0.113.7 port 52211 ssh2",
    "Failed password for invalid user admin from 198.51.100.23 port 40122 ssh2",
    "Accepted publickey for deploy from 192.0.2.10 port 51514 ssh2",
    "sudo: alice : user NOT in sudoers ; TTY=pts/1 ; COMMAND=/bin/bash",
    "Privilege escalation: uid 1001 executed setuid binary /tmp/.x/su",
    "Port scan detected from 203.0.113.44: 1024 ports in 3 s",
    /* One message per line, never split: a split reads as a missing comma. */
    /* clang-format off */
    "Malware signature Win.Trojan.Agent-1234 found in /srv/upload/invoice.pdf.exe",
    /* clang-format on */
    "Outbound connection to known C2 server 198.51.100.66:4444 blocked",
    "Firewall dropped 1500 packets from 192.0.2.200 (SYN flood)",
    "New administrator account 'support2' created outside change window",
    "Audit log cleared on host db-02",
    "Brute force: 250 failed logins for 'postgres' in 60 s",
    "TLS certificate for api.example.com expires in 3 days",
    "Unexpected kernel module loaded: rootkit_hide.ko",
    "SQL injection attempt in parameter 'id' from 203.0.113.19",
    "Web shell upload attempt: POST /uploads/shell.php",
    "DNS query to newly registered domain xk3j9-update.example",
    "Antivirus definitions out of date on 12 hosts",
    "USB mass storage device connected to workstation fin-07",
    "Password spraying detected against 40 accounts from 198.51.100.5",
    "Impossible travel: bob logged in from two countries within 10 minutes",
    "MFA disabled for user carol by helpdesk-bot",
    "Suspicious PowerShell: encoded command executed on ws-113",
    "Configuration drift: sshd PermitRootLogin changed to yes on web-01",
    "Ransomware behaviour: 500 files renamed to *.locked in 20 s",
    "Data exfiltration suspected: 4 GiB uploaded to unknown host",
    "Service account svc-backup used for interactive login",
    "Integrity check failed for /usr/bin/passwd",
    "Repeated 403 responses for /admin from 192.0.2.77",
    "Container escaped its namespace: process visible in host PID namespace",
};
const size_t gen_catalog_len = sizeof gen_catalog / sizeof gen_catalog[0];
