#!/usr/bin/env bash
# Writes seed corpora for the fuzz targets into fuzz/corpus/<target>/, from the test
# fixtures: each fixture cut into pieces of a few lines, every piece led by the file's
# header lines (Zeek `#fields`, W3C `#Fields`, a CSV or VPC Flow Logs header row), so
# the parsers that need a layout see one. Existing corpus files are kept.
#
#   fuzz/seed.sh            all targets
#   fuzz/seed.sh TARGET…    only these

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../tests/fixtures"
corpus="$here/corpus"

# The fixture directories of each format id, besides tests/fixtures/made/<id>.*.
declare -A dirs=(
  [zeek-conn]="zeek_conn_json zeek_conn_tsv"
  [zeek-smb]="zeek_smb"
  [suricata-eve]="suricata_eve"
  [sysmon]="sysmon_eid3_json sysmon_eid3_xml"
  [windows-security]="windows_security_5156_json windows_security_5156_xml"
  [cim]=""
  [ecs]="ecs_json"
  [ocsf]="ocsf_network_activity_json"
  [aws-vpc-flow]="aws_vpc_flow"
  [azure-nsg-flow]="azure_nsg_flow_json"
  [gcp-vpc-flow]="gcp_vpc_flow_json"
  [cisco-asa]="cisco_asa_syslog"
  [cisco-ftd]="cisco_ftd_syslog"
  [cisco-estreamer]="cisco_estreamer"
  [panos-traffic]="paloalto_traffic_csv"
  [fortigate]="fortigate_kv"
  [checkpoint]="checkpoint_syslog"
  [iptables]="iptables_kernel"
  [pfsense]="pfsense_filterlog"
  [windows-firewall]="windows_firewall_w3c"
)

# The log files of a format id.
files_of() {
  local id=$1 dir
  find "$fixtures/made" -maxdepth 1 -name "$id.*" ! -name '*.golden.json' ! -name '*.md'
  for dir in ${dirs[$id]}; do
    [[ -d $fixtures/corpus/$dir ]] || continue
    find "$fixtures/corpus/$dir" -type f ! -name '*.golden.json' ! -name '*.md'
  done
}

# Cuts a file into pieces of 6 lines, each led by the file's header lines.
pieces() {
  local file=$1 out=$2 name
  name=$(basename "$file" | tr -c 'A-Za-z0-9_.\n-' _)
  awk -v out="$out/$name" '
    function flush() {
      if (n == 0) return
      path = sprintf("%s.%03d", out, piece++)
      printf "%s", header > path
      for (i = 0; i < n; i++) print body[i] > path
      close(path)
      n = 0
    }
    /^#/ && n == 0 && piece == 0 { header = header $0 "\n"; next }
    NR == 1 && /src_ip|srcaddr|dest_ip|dst_ip/ && !/^[{<[]/ { header = $0 "\n"; next }
    { body[n++] = $0; if (n == 6 || piece >= 40 && n == 1) flush() }
    piece >= 60 { exit }
    END { flush() }
  ' "$file"
}

# Seeds TARGET with pieces of FILES, each led by PREFIX (bytes the target reads before
# the log, as printf escapes).
seed() {
  local target=$1 prefix=$2 file piece tmp
  shift 2
  mkdir -p "$corpus/$target"
  tmp=$(mktemp -d)
  for file in "$@"; do
    pieces "$file" "$tmp"
  done
  for piece in "$tmp"/*; do
    [[ -e $piece ]] || continue
    { printf "$prefix"; cat "$piece"; } >"$corpus/$target/${prefix//\\/x}$(basename "$piece")"
  done
  rm -rf "$tmp"
}

ids=(zeek-conn zeek-smb suricata-eve sysmon windows-security cim ecs ocsf aws-vpc-flow
  azure-nsg-flow gcp-vpc-flow cisco-asa cisco-ftd cisco-estreamer panos-traffic fortigate
  checkpoint iptables pfsense windows-firewall)
all_files=()
for id in "${ids[@]}"; do
  mapfile -t -O "${#all_files[@]}" all_files < <(files_of "$id")
done

wanted=("$@")
want() {
  [[ ${#wanted[@]} -eq 0 ]] && return 0
  local w
  for w in "${wanted[@]}"; do [[ $w == "$1" ]] && return 0; done
  return 1
}

for id in "${ids[@]}"; do
  target="format_${id//-/_}"
  want "$target" || continue
  mapfile -t files < <(files_of "$id")
  seed "$target" "" "${files[@]}"
done
want detect && seed detect "" "${all_files[@]}"
# Flags 0 (defaults) and 0x29 (escu, a 64-byte line cap, small caps); chunk seeds 7 and 0.
want analyzer_chunks && seed analyzer_chunks '\000\007' "${all_files[@]}" &&
  seed analyzer_chunks '\051\000' "$fixtures/made/zeek-conn.json.log" "$fixtures/made/cisco-asa.log"
# Mode 2: the log's own snapshot.
want snapshot_merge && seed snapshot_merge '\002' "${all_files[@]}"
# One JSON record a seed, behind the flags byte (annotate mode, default profile).
if want fluentbit_filter; then
  mkdir -p "$corpus/fluentbit_filter"
  cat "${all_files[@]}" | awk -v out="$corpus/fluentbit_filter" '
    /^\{/ && n < 300 {
      path = sprintf("%s/record.%03d", out, n++); printf "\001%s", $0 > path; close(path)
    }'
fi
if want assets_csv; then
  mkdir -p "$corpus/assets_csv"
  printf 'nt_host,category,ip\nfs01,internal|file_server,10.1.0.0/16|192.0.2.5\n' \
    >"$corpus/assets_csv/basic"
  printf 'ip,priority,category\n"10.0.0.1-10.0.0.9",high,"internal|dc"\nfd00::/8,,internal\n' \
    >"$corpus/assets_csv/range"
fi
if want allowlist; then
  mkdir -p "$corpus/allowlist"
  printf '# backups\npair 10.1.0.0/16 203.0.113.0/24\nsrc 10.9.9.9\n' >"$corpus/allowlist/pair"
  printf 'dest 198.51.100.0-198.51.100.20\ndest-host .file.core.windows.net\n' \
    >"$corpus/allowlist/dest"
fi
