// Baseline for bench/ingest: the webhook receiver as Apify's guide writes it with Express.
// express.json() parses the body, the shared secret is compared with the header, and an
// in-memory Set remembers run ids so a retried delivery answers "duplicate". Nothing is
// written to disk: an answer here promises nothing about durability.
//
//   PORT=8788 WEBHOOK_SECRET=... node server.js
'use strict';
const express = require('express');

const port = Number(process.env.PORT || 8788);
const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('WEBHOOK_SECRET is required');
  process.exit(2);
}

const app = express();
app.use(express.json());

const seenRuns = new Set();

app.post('/apify-webhook', (req, res) => {
  if (req.get('X-Webhook-Secret') !== secret) {
    return res.status(401).json({ error: 'invalid secret' });
  }
  const runId = req.body && req.body.eventData && req.body.eventData.actorRunId;
  if (seenRuns.has(runId)) {
    return res.status(200).json({ status: 'duplicate' });
  }
  seenRuns.add(runId);
  res.status(200).json({ status: 'accepted' });
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`express receiver listening on http://127.0.0.1:${port}/apify-webhook`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
