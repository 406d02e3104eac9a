// Baseline for bench/e2e: the webhook receiver as Apify's guide writes it. On a webhook it
// answers at once, then fetches the run's dataset with apify-client's
// `client.dataset(id).listItems()` (no limit: one request for every item, parsed into one array
// in memory) and writes all items to one JSON file with fs.writeFileSync(JSON.stringify(items)).
//
//   PORT=8789 WEBHOOK_SECRET=... APIFY_TOKEN=... APIFY_BASE_URL=http://127.0.0.1:PORT OUT_DIR=... node server.js
//
// The webhook body may be the compact template ({"runId", "datasetId", "status", "actorId"}) or
// Apify's default payload (eventData.actorRunId, resource.defaultDatasetId). When the file is
// written it prints one line to stdout: "written <items> items <bytes> bytes to <path> in <ms> ms";
// a failure prints "failed <run id>: <message>". The benchmark watches for these lines.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { ApifyClient } = require('apify-client');

const port = Number(process.env.PORT || 8789);
const secret = process.env.WEBHOOK_SECRET;
const outDir = process.env.OUT_DIR;
if (!secret || !outDir || !process.env.APIFY_TOKEN) {
  console.error('WEBHOOK_SECRET, APIFY_TOKEN and OUT_DIR are required');
  process.exit(2);
}

// apify-client appends /v2 to baseUrl itself.
const client = new ApifyClient({
  token: process.env.APIFY_TOKEN,
  baseUrl: process.env.APIFY_BASE_URL || 'https://api.apify.com',
});

async function exportRun(runId, actorId, datasetId) {
  const t0 = Date.now();
  const { items } = await client.dataset(datasetId).listItems();
  const file = path.join(outDir, `${actorId || 'actor'}-${runId}.json`);
  const text = JSON.stringify(items);
  fs.writeFileSync(file, text);
  console.log(`written ${items.length} items ${Buffer.byteLength(text)} bytes to ${file} in ${Date.now() - t0} ms`);
}

// Plain node:http keeps the receiver free of other dependencies; the handler is what the
// guide's Express handler does (secret check, parse the JSON body, answer, then export).
const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/apify-webhook') {
    res.writeHead(404).end();
    return;
  }
  if (req.headers['x-webhook-secret'] !== secret) {
    res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid secret"}');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"invalid JSON"}');
      return;
    }
    const runId = body.runId || (body.eventData && body.eventData.actorRunId);
    const actorId = body.actorId || (body.eventData && body.eventData.actorId);
    const datasetId = body.datasetId || (body.resource && body.resource.defaultDatasetId);
    if (!runId || !datasetId) {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"runId and datasetId required"}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"accepted"}');
    exportRun(runId, actorId, datasetId).catch((e) => console.log(`failed ${runId}: ${e && e.message}`));
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`baseline receiver listening on http://127.0.0.1:${port}/apify-webhook`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
