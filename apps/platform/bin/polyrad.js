#!/usr/bin/env node
import '../dist/cli/polyrad.js';
