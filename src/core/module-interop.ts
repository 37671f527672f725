/**
 * The exports of a CommonJS package loaded with `import()`. Node gives them by name and as
 * `default`; the bundle the binaries run (scripts/bundle.mjs) gives them only as `default`.
 */
export function commonJsExports<T extends object>(namespace: T): T {
  return (namespace as { default?: T }).default ?? namespace;
}
