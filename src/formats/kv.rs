//! key=value tokenizing shared by several syslog formats (to be written).
