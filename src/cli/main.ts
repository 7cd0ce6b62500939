#!/usr/bin/env node
import { installProcessFaultHandlers } from '../telemetry/process-faults.js';
import { runProgram } from './program.js';

installProcessFaultHandlers();
await runProgram(process.argv);
