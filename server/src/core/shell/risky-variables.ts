/**
 * Environment variables that make an allowed program run other code, load other configuration or
 * resolve other programs. Reviewed data: a `VAR=… cmd` prefix, `export VAR=…` and `env VAR=… cmd`
 * that set one of these need a person.
 */
const NAMES = new Set([
  // Program and library resolution.
  'PATH',
  'CDPATH',
  'IFS',
  'GCONV_PATH',
  'HOSTALIASES',
  // Shell start-up and tracing.
  'BASH_ENV',
  'ENV',
  'PROMPT_COMMAND',
  'PS4',
  'SHELLOPTS',
  'BASHOPTS',
  'GLOBIGNORE',
  'SHELL',
  // Configuration found through home folders.
  'HOME',
  'XDG_CONFIG_HOME',
  'ZDOTDIR',
  'INPUTRC',
  // Pagers and editors that tools start.
  'PAGER',
  'MANPAGER',
  'SYSTEMD_PAGER',
  'LESSOPEN',
  'LESSCLOSE',
  'EDITOR',
  'VISUAL',
  'BROWSER',
  'SSH_ASKPASS',
  'SUDO_ASKPASS',
  // Language runtimes.
  'NODE_OPTIONS',
  'NODE_PATH',
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'RUBYOPT',
  'RUBYLIB',
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PYTHONHOME',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  // Build tools.
  'GOFLAGS',
  'GOTOOLCHAIN',
  'CC',
  'CXX',
  'MAKEFLAGS',
  'MAKEFILES',
  'RUSTC_WRAPPER',
  'RUSTC',
  'CARGO_BUILD_RUSTC_WRAPPER',
]);

/** Prefixes of whole families: git's configuration and helpers, npm's and yarn's configuration, the loaders. */
const PREFIXES = ['LD_', 'DYLD_', 'GIT_', 'npm_config_', 'NPM_CONFIG_', 'YARN_', 'BASH_FUNC_', 'PIP_', 'CARGO_TARGET_'];

export function isRiskyVariable(name: string): boolean {
  return NAMES.has(name) || PREFIXES.some((p) => name.startsWith(p));
}
