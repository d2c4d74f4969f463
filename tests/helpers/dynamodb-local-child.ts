// Starts DynamoDB Local (on the data directory given as its argument, or in memory), prints its
// JVM's pid, and waits to be killed (tests/integration).
import { startDynamoDbLocal } from '../../emulator/dynamodb-local.js';
import { freePort } from '../../emulator/local-aws.js';

const dynamodb = await startDynamoDbLocal({ port: await freePort(), dataDir: process.argv[2] });
console.log(JSON.stringify({ pid: dynamodb.pid, endpoint: dynamodb.endpoint }));
setInterval(() => {}, 60_000);
