// Reads a feed file with podcast-partytime (the Podcast Index's parser) and prints what it
// understood as JSON, for tests/test_publish_partytime.py.
const fs = require("fs");
const { parseFeed } = require("podcast-partytime");

const xml = fs.readFileSync(process.argv[2], "utf8");
const feed = parseFeed(xml, { allowMissingGuid: false });
if (!feed) {
  console.error("podcast-partytime could not parse the feed");
  process.exit(1);
}
process.stdout.write(JSON.stringify(feed, (key, value) =>
  value instanceof Date ? value.toISOString() : value));
