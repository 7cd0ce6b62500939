import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FlashsaleStack } from '../lib/flashsale-stack.js';
import type { FlashsaleOptions } from '../lib/options.js';

export interface DockerImageAssetSource {
  directory: string;
  dockerBuildTarget?: string;
  dockerBuildArgs?: Record<string, string>;
}

export interface Synthesized {
  template: Template;
  /** The Docker images `cdk deploy` would build, keyed by asset hash. */
  dockerImages: Record<string, { source: DockerImageAssetSource }>;
  /** Files staged as a Docker build context, relative to that context. */
  stagedContext(source: DockerImageAssetSource): string[];
  dispose(): void;
}

/** Synthesizes one variant of the stack into a temp cloud assembly, as `cdk synth` would. */
export function synthesize(options: Partial<FlashsaleOptions> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'flashsale-cdk-'));
  const app = new App({ outdir });
  const stack = new FlashsaleStack(app, 'Flashsale', options);
  const template = Template.fromStack(stack);
  app.synth();
  const assets = JSON.parse(readFileSync(join(outdir, 'Flashsale.assets.json'), 'utf8'));
  return {
    template,
    dockerImages: assets.dockerImages ?? {},
    stagedContext: (source) => listFiles(join(outdir, source.directory)),
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

/** The logical id of the one resource of `type` whose properties match. */
export function logicalId(template: Template, type: string, props: Record<string, unknown>): string {
  const found = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  if (found.length !== 1)
    throw new Error(`expected one ${type} matching ${JSON.stringify(props)}, found ${found.length}`);
  return found[0]!;
}

/** Properties of every resource of a type, in template order. */
export function propertiesOf(template: Template, type: string): Array<Record<string, unknown>> {
  return Object.values(template.findResources(type)).map(
    (r) => (r as { Properties: Record<string, unknown> }).Properties,
  );
}

/** Whether the policies attached to a role allow `action` on `resource` (a template value such as a Ref). */
export function roleAllows(template: Template, roleId: string, action: string, resource: unknown): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  return propertiesOf(template, 'AWS::IAM::Policy')
    .filter((policy) => list(policy.Roles).some((role) => same(role, { Ref: roleId })))
    .flatMap((policy) => (policy.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement)
    .some(
      (statement) =>
        statement.Effect === 'Allow' &&
        list(statement.Action).includes(action) &&
        list(statement.Resource).some((r) => same(r, resource)),
    );
}
