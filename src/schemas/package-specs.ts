/**
 * The package spec each manager of an environment's `config.packages` takes: a name, optionally
 * pinned the way that manager's own installer spells a pin. Specs are handed to the installer
 * as given (container/plugins/clawplane-packages/install.mjs), so they are checked here, at
 * create and update time, rather than failing a session's first turn: a typo in a pin is a 400
 * at `config.packages.<manager>.<i>` that says what the manager expects.
 *
 * The grammars accept names and version pins only. Anything an installer would read as a path,
 * URL, flag or shell syntax (`./x`, `git+https://…`, `--index-url`, spaces) is refused: an
 * environment installs from its registries, nothing else.
 */
import type { PackageManager } from "./environments";

/** A version or range without spaces: digits, letters and the range punctuation managers use. */
const VERSION = "[0-9A-Za-z][0-9A-Za-z.+~^*_-]*";
const RANGE = `[~^<>=*]{0,2}${VERSION}|\\*`;

/** One manager's accepted form: the pattern, and the example quoted when a spec does not match. */
interface SpecGrammar {
  pattern: RegExp;
  expected: string;
}

const GRAMMARS: Record<PackageManager, SpecGrammar> = {
  // Debian package names (policy 5.6.1), `name=version` pins the exact version.
  apt: {
    pattern: /^[a-z0-9][a-z0-9+.-]+(=[0-9A-Za-z][0-9A-Za-z.+~:-]*)?$/,
    expected: '"name" or "name=version" (e.g. "jq" or "jq=1.6-2.1")',
  },
  // crates.io names; `cargo install name@version` takes a version requirement.
  cargo: {
    pattern: new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(@(${RANGE}))?$`),
    expected: '"name" or "name@version" (e.g. "ripgrep" or "ripgrep@14.1.0")',
  },
  // RubyGems names; `gem install name:version` is RubyGems' own pin syntax.
  gem: {
    pattern: new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]*(:(${RANGE}))?$`),
    expected: '"name" or "name:version" (e.g. "rake" or "rake:13.2.1")',
  },
  // A Go package path as `go install` takes it; without `@version` it installs `@latest`.
  go: {
    pattern: /^[a-z0-9][A-Za-z0-9._~-]*(\.[A-Za-z0-9._~-]+)(\/[A-Za-z0-9._~-]+)+(@[A-Za-z0-9._+~-]+)?$/,
    expected: '"module/path" or "module/path@version" (e.g. "golang.org/x/tools/cmd/goimports@v0.24.0")',
  },
  // npm names (optionally scoped) with a version, range or dist-tag after `@`.
  npm: {
    pattern: new RegExp(`^(@[A-Za-z0-9][A-Za-z0-9._~-]*/)?[A-Za-z0-9][A-Za-z0-9._~-]*(@(${RANGE}))?$`),
    expected: '"name", "@scope/name" or "name@version" (e.g. "is-number@7.0.0" or "lodash@^4.17.0")',
  },
  // PEP 508 names with optional extras and comma-separated version specifiers.
  pip: {
    pattern:
      /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\[[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*\])?((===|==|~=|!=|>=|<=|>|<)[0-9A-Za-z.*+!_-]+(,(===|==|~=|!=|>=|<=|>|<)[0-9A-Za-z.*+!_-]+)*)?$/,
    expected: '"name", "name==version" or "name>=a,<b" (e.g. "requests==2.32.3")',
  },
};

/** Why `spec` is not a valid `manager` package spec, or null when it is. */
export function packageSpecProblem(manager: PackageManager, spec: string): string | null {
  const grammar = GRAMMARS[manager];
  return grammar.pattern.test(spec) ? null : `not a valid ${manager} package: expected ${grammar.expected}`;
}
