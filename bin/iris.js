#!/usr/bin/env node
// Entry point of the `iris` command; the CLI lives in src/cli (compiled to dist/).
import '../dist/src/cli/main.js';
