//! Syslog headers (RFC 3164 and RFC 5424) shared by the syslog formats (to be written).
