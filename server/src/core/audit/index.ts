/** The audit concern of the core (#core/audit): records, the chain and its verifier, folding, queries, sink comparison, view groups. */
export { decisionRecord, recordPaths, recordTarget, type AuditRecord, type DecisionContext } from './record';
export {
  ChainVerifier,
  GENESIS,
  GENESIS_HASH,
  canonicalJson,
  compareWithSeal,
  hashedPart,
  seal,
  wholeEntryHead,
  type ChainHead,
  type EntrySigner,
  type SignatureCheck,
  type ChainNote,
  type ChainNoteKind,
  type ChainProblem,
  type HashFunction,
  type SealedEntry,
} from './chain';
export { compareWithSink, type SinkComparison, type SinkFinding, type SinkRecord } from './sink-compare';
export { DEFAULT_FOLD_WINDOW_MS, foldKey, foldStep, startRun, summaryRecord, type FoldState, type FoldStep } from './fold';
export { compileQuery, type AuditQuery, type EntryFilter } from './query';
export { compileViewFilter, groupOf, VIEW_GROUPS, type AuditViewFilter, type ViewGroup } from './view';
