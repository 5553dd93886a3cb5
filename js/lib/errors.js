/**
 * The one error class of the package. `code` is stable and meant for programs:
 *
 * - `bad_option`, `bad_cidr`, `bad_assets`, `bad_allowlist`: unusable options;
 * - `bad_snapshot`: a snapshot that is not one, or was made with other options;
 * - `bad_input`: an input of a type the function does not take;
 * - `compressed_input`: gzip bytes given to `push`, which takes plain text;
 * - `unreadable_input`: an input that could not be read or decompressed;
 * - `bad_output`: an unknown output kind;
 * - `finished`: a call on an analyzer that already gave its report;
 * - `lost_state`: a call on an analyzer whose module instance was replaced after an
 *   internal error;
 * - `internal_error`: the module stopped on a bug; a fresh instance serves later calls.
 */
export class SmbEgressError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {ErrorOptions} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = "SmbEgressError";
    this.code = code;
  }
}
