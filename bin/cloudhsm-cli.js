#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

await main({ launcher: import.meta.url, argv: process.argv.slice(2), compat: true });
