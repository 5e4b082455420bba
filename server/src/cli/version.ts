import { version } from '../../../package.json';

/** This build's version (package.json's), for `--version` and the tool block of SARIF reports. */
export const VERSION: string = version;
