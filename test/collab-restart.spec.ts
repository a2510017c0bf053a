import { appendScene, hasStoryboard, newScene, readStoryboard, sceneText, updateSceneField } from '@reelcraft/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { Y, collabClient as connect, sameBytes, type CollabClient } from './support/collab-client';
import { ServerProcess, api, loginAdmin, until } from './support/server-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The persistence promise of /collab: an update is stored before it is relayed, so whatever one
 * editor has received survives a SIGKILL that comes right after, with nothing lost and nothing extra.
 */
describe('collab documents across a SIGKILL', () => {
  const server = new ServerProcess();
  const clients: CollabClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server.dispose();
  });

  it("gives a client connecting after the restart exactly the document another client had received when the server died", async () => {
    await server.start();
    let token = await loginAdmin(server.baseUrl);
    const created = await api(server.baseUrl, 'POST', '/api/projects', token, { name: 'Harbour at dawn' });
    expect(created.status).toBe(201);
    const projectId = created.json.id as string;

    const a = connect(server.baseUrl, projectId, token);
    const b = connect(server.baseUrl, projectId, token);
    clients.push(a, b);
    // The project starts with an empty storyboard written by the server; both must hold it before A edits.
    await until('both clients synced with the initial storyboard', async () => [a, b].every((c) => c.provider.synced && hasStoryboard(c.doc)), 15_000);

    // Several separate updates (one row each): a new scene, typing in its description, a field change.
    appendScene(a.doc, newScene({ description: 'Boats leave', subtitle: 'Dawn' }));
    const description = sceneText(a.doc, 0, 'description');
    for (const ch of ' the harbour') {
      description.insert(description.length, ch);
      await sleep(5);
    }
    updateSceneField(a.doc, 0, 'duration_sec', 7);
    description.insert(0, '» ');

    // B has A's every update once their state vectors agree (B itself wrote nothing).
    await until('B to receive every edit of A', async () => sameBytes(Y.encodeStateVector(b.doc), Y.encodeStateVector(a.doc)), 15_000);
    const received = readStoryboard(b.doc);
    const receivedText = sceneText(b.doc, 0, 'description').toString();
    const receivedVector = Y.encodeStateVector(b.doc);
    expect(received.ok).toBe(true);
    expect(receivedText).toBe('» Boats leave the harbour');

    await server.kill('SIGKILL');
    // Gone before the restart: a reconnecting A or B would re-send its copy and hide a lost update.
    for (const c of clients.splice(0)) c.destroy();

    await server.start();
    token = await loginAdmin(server.baseUrl);
    const c = connect(server.baseUrl, projectId, token);
    clients.push(c);
    await until('C to sync after the restart', async () => c.provider.synced && hasStoryboard(c.doc), 15_000);

    expect(readStoryboard(c.doc)).toEqual(received);
    expect(sceneText(c.doc, 0, 'description').toString()).toBe(receivedText);
    expect(Y.encodeStateVector(c.doc)).toEqual(receivedVector);
  });
});
