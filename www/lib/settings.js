// The settings form as the package's options. The page reads the form into plain
// values; `toOptions` turns them into the options the CLI would pass for the same flags.

/**
 * The options for the form's values: `profile`, `internal` (CIDRs separated by commas,
 * spaces or lines), `assets` and `allow` (text), `ports`, `includeBlocked`,
 * `requireEstablished`, `tz`, `format`, `year` and `sourcetype`. Empty values are left
 * out, so the package's defaults apply; bad values are left for the package to name.
 */
export function toOptions(values) {
  const options = {
    profile: values.profile || undefined,
    format: values.format && values.format !== "auto" ? values.format : undefined,
    internal: list(values.internal),
    assets: text(values.assets),
    allow: text(values.allow),
    ports: blank(values.ports) ? undefined : values.ports.trim(),
    includeBlocked: Boolean(values.includeBlocked),
    requireEstablished: Boolean(values.requireEstablished),
    tz: blank(values.tz) ? undefined : values.tz.trim(),
    year: blank(values.year) ? undefined : year(values.year),
    sourcetype: blank(values.sourcetype) ? undefined : values.sourcetype.trim(),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function blank(value) {
  return value === undefined || value === null || String(value).trim() === "";
}

function list(value) {
  if (blank(value)) {
    return undefined;
  }
  const items = String(value)
    .split(/[\s,]+/)
    .filter((item) => item.length > 0);
  return items.length > 0 ? items : undefined;
}

function text(value) {
  return blank(value) ? undefined : String(value);
}

function year(value) {
  const trimmed = String(value).trim();
  return /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : trimmed;
}
