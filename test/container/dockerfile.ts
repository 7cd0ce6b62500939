import { readFileSync } from 'node:fs';

export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** The stages of a Dockerfile, continuation lines joined and comments dropped (the subset flashsale's uses). */
export function parseDockerfile(path: string): { args: Instruction[]; stages: Stage[] } {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { op: op.toUpperCase(), args: rest.replace(/\s+/g, ' ') };
    if (instruction.op === 'FROM') {
      const [, base = '', name = ''] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args) ?? [];
      stages.push({ name, base, instructions: [] });
    } else if (stages.length === 0) {
      args.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** The JSON (exec) form of CMD, ENTRYPOINT or HEALTHCHECK … CMD. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}

/** Sources of a COPY that reads the build context (no --from), as written. */
export function contextSources(instruction: Instruction): string[] {
  const words = instruction.args.split(' ').filter((w) => !w.startsWith('--'));
  if (instruction.args.includes('--from=')) return [];
  return words.slice(0, -1);
}

/** The `&&`-separated commands of every RUN in a stage. */
export function runCommands(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.op === 'RUN')
    .flatMap((i) => i.args.split('&&').map((command) => command.trim()));
}
