#!/usr/bin/env node
// The CDK app: `cdk synth|deploy|destroy` run this (see cdk.json). Environment-agnostic on
// purpose: no account or region is looked up, so `cdk synth` works offline.
import { App } from 'aws-cdk-lib';
import { FlashsaleStack } from '../lib/flashsale-stack.js';
import { optionsFromContext } from '../lib/options.js';

const app = new App();
new FlashsaleStack(
  app,
  'Flashsale',
  optionsFromContext((key) => app.node.tryGetContext(key)),
);
app.synth();
