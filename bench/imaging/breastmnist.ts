/**
 * BreastMNIST CNN (issue #10): our TF.js CNN (src/learn/cnn, pure-JS CPU backend) beside PyTorch
 * (Debian `python3-torch`, 2 threads) on the same architecture, optimiser, epochs, batch size and data,
 * in one run. Reports wall-clock training time, validation AUROC and test AUROC with a 95% stratified
 * bootstrap CI (1,000 seeded replicates, src/evaluate/clinical) for both. Positive class = malignant
 * (label 0).
 *
 *   npx tsx bench/imaging/breastmnist.ts [epochs=10]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapCI } from '../../src/evaluate/clinical/index.js';
import { auroc } from '../../src/evaluate/metrics.js';
import {
  type CnnSpec,
  loadMedMnist,
  predictCnn,
  selectBackend,
  trainCnn,
} from '../../src/learn/cnn/index.js';

const EPOCHS = Number(process.argv[2] ?? 10);
const BATCH = 32;
const LR = 1e-3;
const SEED = 1;
const DATA = new URL('../../../shared/data/imaging/breastmnist.npz', import.meta.url).pathname;

const d = loadMedMnist(DATA);
// conv(16,3×3,ReLU)-BN-maxpool → conv(32,3×3,ReLU)-BN-maxpool → dense(64,ReLU)-dropout(0.5) → 2-way softmax.
const spec: CnnSpec = {
  dims: 2,
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv', filters: 16, kernel: 3 },
    { type: 'batchnorm' },
    { type: 'maxpool', size: 2 },
    { type: 'conv', filters: 32, kernel: 3 },
    { type: 'batchnorm' },
    { type: 'maxpool', size: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 64 },
    { type: 'dropout', rate: 0.5 },
  ],
  nClasses: 2,
  epochs: EPOCHS,
  batchSize: BATCH,
  learningRate: LR,
  seed: SEED,
};

/** Malignant (label 0) is the positive class; score = P(class 0). */
const positive = (y: ArrayLike<number>) =>
  Float64Array.from(y as ArrayLike<number>, (v) => (v === 0 ? 1 : 0));
const malignantScore = (proba: ArrayLike<number>) =>
  Float64Array.from({ length: proba.length / 2 }, (_, i) => proba[2 * i]);
const ci = (p: ArrayLike<number>) =>
  bootstrapCI(positive(d.test.y), p, { auroc: (y, s) => auroc(y, s) }, { replicates: 1000, seed: SEED })
    .auroc;

interface Result {
  framework: string;
  trainSeconds: number;
  finalLoss: number;
  valAuroc: number;
  testAuroc: number;
  testLo: number;
  testHi: number;
}

// (a) Ours.
await selectBackend('cpu');
const ours = await trainCnn(spec, d.train.x, d.train.y, (e, loss) =>
  console.error(`aegle epoch ${e + 1}/${EPOCHS} loss ${loss.toFixed(4)}`),
);
const oursTest = malignantScore(predictCnn(ours, d.test.x));
const oursCi = ci(oursTest);
const results: Result[] = [
  {
    framework: 'Aegle (TF.js 4.22 CPU)',
    trainSeconds: ours.trainSeconds,
    finalLoss: ours.losses[ours.losses.length - 1],
    valAuroc: auroc(positive(d.val.y), malignantScore(predictCnn(ours, d.val.x))),
    testAuroc: oursCi.estimate,
    testLo: oursCi.lo,
    testHi: oursCi.hi,
  },
];

// (b) PyTorch, same architecture / optimiser / epochs / batch / data, 2 threads.
const PY = `
import json, sys, time
import numpy as np, torch, torch.nn as nn
from sklearn.metrics import roc_auc_score
path, epochs, batch, lr, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(2)
torch.manual_seed(seed)
z = np.load(path)
def split(k):
    x = torch.from_numpy(z[k + '_images'].astype(np.float32)[:, None, :, :] / 255.0)
    y = torch.from_numpy(z[k + '_labels'].reshape(-1).astype(np.int64))
    return x, y
(xtr, ytr), (xva, yva), (xte, yte) = split('train'), split('val'), split('test')
# Same layer order and hyper-parameters as TF.js: conv(ReLU) -> BN(momentum 0.99, eps 1e-3) -> pool.
bn = lambda c: nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)
net = nn.Sequential(
    nn.Conv2d(1, 16, 3), nn.ReLU(), bn(16), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3), nn.ReLU(), bn(32), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 5 * 5, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 2))
for m in net.modules():
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_uniform_(m.weight); nn.init.zeros_(m.bias)
opt = torch.optim.Adam(net.parameters(), lr=lr)
lossf = nn.CrossEntropyLoss()
g = torch.Generator().manual_seed(seed)
n = len(ytr)
t0 = time.perf_counter()
for e in range(epochs):
    net.train()
    idx = torch.randperm(n, generator=g)
    tot = 0.0
    for i in range(0, n, batch):
        b = idx[i:i + batch]
        opt.zero_grad()
        loss = lossf(net(xtr[b]), ytr[b])
        loss.backward()
        opt.step()
        tot += loss.item() * len(b)
    print(f'torch epoch {e + 1}/{epochs} loss {tot / n:.4f}', file=sys.stderr)
secs = time.perf_counter() - t0
net.eval()
with torch.no_grad():
    pva = torch.softmax(net(xva), 1)[:, 0].numpy()
    pte = torch.softmax(net(xte), 1)[:, 0].numpy()
print(json.dumps({'trainSeconds': secs, 'finalLoss': tot / n, 'torch': torch.__version__,
    'valAuroc': roc_auc_score((yva.numpy() == 0).astype(int), pva),
    'testAuroc': roc_auc_score((yte.numpy() == 0).astype(int), pte),
    'testScore': pte.astype(float).tolist()}))
`;
const dir = mkdtempSync(join(tmpdir(), 'aegle-breastmnist-'));
try {
  writeFileSync(join(dir, 'torch_cnn.py'), PY);
  const r = spawnSync(
    '/usr/bin/python3',
    [join(dir, 'torch_cnn.py'), DATA, String(EPOCHS), String(BATCH), String(LR), String(SEED)],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, OMP_NUM_THREADS: '2', MKL_NUM_THREADS: '2' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (r.status !== 0) console.error(`PyTorch run failed (status ${r.status}); is python3-torch installed?`);
  else {
    const t = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
    const tCi = ci(t.testScore as number[]);
    results.push({
      framework: `PyTorch ${t.torch} (2 threads)`,
      trainSeconds: t.trainSeconds,
      finalLoss: t.finalLoss,
      valAuroc: t.valAuroc,
      testAuroc: t.testAuroc,
      testLo: tCi.lo,
      testHi: tCi.hi,
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nBreastMNIST (train ${d.train.n} / val ${d.val.n} / test ${d.test.n}), ${EPOCHS} epochs, batch ${BATCH}, Adam ${LR}`,
);
console.log('| framework | train s | final loss | val AUROC | test AUROC (95% bootstrap CI) |');
console.log('|---|---|---|---|---|');
for (const r of results)
  console.log(
    `| ${r.framework} | ${r.trainSeconds.toFixed(1)} | ${r.finalLoss.toFixed(4)} | ${r.valAuroc.toFixed(3)} | ` +
      `${r.testAuroc.toFixed(3)} (${r.testLo.toFixed(3)}–${r.testHi.toFixed(3)}) |`,
  );
console.log(
  JSON.stringify({ epochs: EPOCHS, batchSize: BATCH, learningRate: LR, seed: SEED, results }, null, 2),
);
