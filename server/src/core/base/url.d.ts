// The WHATWG URL class is a global of every JavaScript runtime the core runs in (Node, VS Code).
// It parses and normalises; it performs no I/O. Declared here because the core compiles without
// DOM or Node types.
declare class URL {
  constructor(input: string, base?: string);
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
}
