/** The framework's version, recorded in every start document's `versions`. */
export const VERSION = "0.1.0";
