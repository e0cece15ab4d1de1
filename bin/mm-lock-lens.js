#!/usr/bin/env -S node --max-semi-space-size=4 --initial-old-space-size=256
'use strict';
// (A 4 MB young generation keeps a run over mm/ about 20 MB smaller at no cost in speed. A first
// old-generation limit of 256 MB spares a check of mm/ its full collections, whose marking took a
// core's worth of time on 2 cores: about 60 ms sooner, peak memory about 10 MB higher.)
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('mm-lock-lens: the CLI is not built; run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(2);
}
require(cli);
