#!/bin/sh
# VS Code's built-in agent runs this before every tool call (agent-plugin/hooks/hooks.json); its
# first argument is the timeout hooks.json declares, in seconds. VS Code lets the call run when a
# hook crashes or times out, so every way out of here that is not our answer is exit 2 (block).
#
# A workspace with no .agent-policy.yml at or above this folder (never one inside node_modules/ or
# .git/) is not governed: the call is passed through with no answer, without starting anything.
# Otherwise the hook program runs on the editor's own executable (the extension publishes it in
# AGENT_POLICY_EDITOR_NODE, as VS Code's git extension does for its askpass helper), else on a
# `node` from PATH; it asks the running extension, or the CLI bundled beside it.
timeout="${1:-600}"
dir=$(pwd -P)
governed=""
while :; do
  case "$dir" in
    */node_modules|*/node_modules/*|*/.git|*/.git/*) ;;
    *) if [ -f "$dir/.agent-policy.yml" ]; then governed="$dir"; break; fi ;;
  esac
  [ "$dir" = "/" ] && break
  dir=$(dirname "$dir")
done
[ -n "$governed" ] || { cat >/dev/null; exit 0; }

here=$(dirname "$0")
program="$here/../../server/out/vscode-hook.js"
if [ -n "$AGENT_POLICY_EDITOR_NODE" ] && [ -x "$AGENT_POLICY_EDITOR_NODE" ]; then
  ELECTRON_RUN_AS_NODE=1 "$AGENT_POLICY_EDITOR_NODE" "$program" --timeout "$timeout" --root "$governed"
elif command -v node >/dev/null 2>&1; then
  node "$program" --timeout "$timeout" --root "$governed"
else
  cat >/dev/null
  echo "Agent Policy: the extension is not running in this window and no node is on PATH to run its CLI, so the action is blocked" >&2
  exit 2
fi
status=$?
[ "$status" -eq 0 ] || { echo "Agent Policy: the hook could not run (exit $status), so the action is blocked" >&2; exit 2; }
