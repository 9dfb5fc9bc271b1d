// Types for bench/wan-proxy.js, for its tests.

export interface WanSession {
  /** Command lines the client sent on this control connection. */
  commands: number;
  /** Client writes that followed a server reply. */
  roundTrips: number;
  closed: boolean;
}
export interface WanProxy {
  host: string;
  port: number;
  sessions: WanSession[];
  settle(): Promise<void>;
  close(): Promise<void>;
}
export function startWanProxy(o: {
  listenHost: string;
  targetHost: string;
  controlPort: number;
  dataPorts: [number, number];
  rttMs: number;
  mbit: number;
}): Promise<WanProxy>;
