// Options as the user gives them, turned into the JSON text the module reads.
//
// The module checks names and values and names the culprit in its error; this side only
// refuses what JSON would silently drop or change (functions, NaN, objects of a class),
// so that a bad value is never mistaken for an absent one.

import { SmbEgressError } from "./errors.js";

/**
 * @param {unknown} options
 * @returns {string}
 */
export function optionsJson(options) {
  if (options === undefined || options === null) {
    return "{}";
  }
  if (!isPlainObject(options)) {
    throw badOption("options", "expected an object of options");
  }
  const out = {};
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined) {
      out[name] = checked(name, value);
    }
  }
  return JSON.stringify(out);
}

function checked(name, value) {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw badOption(name, `expected a finite number, found ${value}`);
      }
      return value;
    case "object":
      if (value === null) {
        return value;
      }
      if (Array.isArray(value)) {
        return value.map((item) => scalar(name, item));
      }
      throw badOption(name, "expected a string, number, boolean or list");
    default:
      throw badOption(name, `expected a string, number, boolean or list, found a ${typeof value}`);
  }
}

function scalar(name, value) {
  if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) {
    return value;
  }
  throw badOption(name, `list items must be strings or numbers, found ${String(value)}`);
}

function isPlainObject(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function badOption(name, why) {
  return new SmbEgressError("bad_option", `option \`${name}\`: ${why}`);
}
