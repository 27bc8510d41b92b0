// The web app's layout rule (docs/WEB.md, "A feature installs itself"): features import only
// ui/, lib/ and api/, never each other, and nothing but the shell imports a feature. No browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { layoutOffences } from '../scripts/check-layout.mjs';

test('web/src: no feature imports another, and ui/ and lib/ import no feature', () => {
  assert.deepEqual(layoutOffences(), []);
});

test('the check names a feature that imports another and a ui/ component that imports a feature', () => {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'medcore-layout-'));
  try {
    const write = (file, text) => {
      fs.mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
      fs.writeFileSync(path.join(src, file), text);
    };
    write('App.tsx', "import * as care from './features/care';\n");
    write('features/care/index.tsx', "import { Own } from './Own';\nimport { Pager } from '../../ui/Pager';\n");
    write('features/care/Own.tsx', "import { RiskGauge } from '../predictions/RiskCharts';\n");
    write('features/chat/ChatRoute.tsx', "type M = typeof import('./Chat');\nconst load = () => import('../skin/Skin');\n");
    write('ui/Pager.tsx', "import { routes } from '../features/chat';\n");
    assert.deepEqual(layoutOffences(src).sort(), [
      'features/care/Own.tsx: imports ../predictions/RiskCharts (a feature imports another feature)',
      'features/chat/ChatRoute.tsx: imports ../skin/Skin (a feature imports another feature)',
      'ui/Pager.tsx: imports ../features/chat (ui/ imports a feature)',
    ]);
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
});
