import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver/node';

/** Offset ↔ position conversion for one text: the language server's edge (the core speaks offsets). */
export class Positions {
  private readonly document: TextDocument;

  constructor(text: string) {
    this.document = TextDocument.create('memory:', 'agent-policy', 0, text);
  }

  position(offset: number): Position {
    return this.document.positionAt(offset);
  }

  offset(position: Position): number {
    return this.document.offsetAt(position);
  }

  range(offset: number, length: number): Range {
    return { start: this.position(offset), end: this.position(offset + length) };
  }
}
