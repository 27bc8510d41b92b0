// The reference: npm `socket.io` running the benchmark's workload exactly as
// `medcore dev socketio-echo` does on "/bench" (join a room with an ack; relay to the other members
// of the room). Usage: node node-server.mjs PORT
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2] || 3001);
const httpServer = createServer();
const io = new Server(httpServer, {
  pingInterval: 25000,
  pingTimeout: 20000,
  maxHttpBufferSize: 1e6,
  cors: { origin: '*' },
});
io.of('/bench').on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    if (typeof room === 'string') socket.join(room);
    if (typeof ack === 'function') ack();
  });
  socket.on('relay', (room, ...rest) => {
    if (typeof room !== 'string') return;
    socket.to(room).emit('relay', room, ...rest);
  });
});
httpServer.listen(port, '127.0.0.1', () => console.log(`node socket.io listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => { io.close(); httpServer.close(() => process.exit(0)); });
