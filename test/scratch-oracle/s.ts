import { describeLine, evaluate } from '#core';
import { policy } from '../helpers';
const Y = `version: "2.1"
permissions:
  filesystem:
    allow: ["**"]
    deny: ["secrets/**", "**/.env*"]
  commands:
    allow: ["cat", "ls", "echo", "cd", "eval", "export", "shopt", "alias", "dd", "printf"]
`;
void (async () => {
const set = await policy({ '': Y });
for (const line of process.argv.slice(2)) {
  const d = describeLine(set, line);
  const e = evaluate(set, { action: 'command.exec', command: line });
  console.log(JSON.stringify(line), JSON.stringify(d), e.decision, e.reason.slice(0, 200));
}
})();
