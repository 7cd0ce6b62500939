import { Command } from 'commander';

export function serveCommand(): Command {
  return new Command('serve').description('API + processor + simulated gateway in one process (what npm start runs)');
}
