#!/usr/bin/env node
import { main } from '../dist/bundle/main.mjs';

await main({ launcher: import.meta.url, argv: process.argv.slice(2), compat: true });
