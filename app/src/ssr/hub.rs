//! The realtime hub: one publisher reads committed events from the store in position order and
//! fans them out to every connection over a broadcast channel. Connections filter by audience.
//!
//! Why read back from the store instead of broadcasting from the writer: it makes the live
//! stream and a replay the very same sequence, and on PostgreSQL it also carries events written
//! by other nodes (picked up by the poll tick).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, Notify};

use super::store::{Store, StoredEvent};
use crate::model::Position;

/// How many events one connection may fall behind before it re-reads from the store.
const FANOUT_CAPACITY: usize = 1024;
const READ_BATCH: i64 = 500;

pub struct Hub {
    events: broadcast::Sender<Arc<StoredEvent>>,
    wake: Notify,
}

impl Hub {
    pub fn new() -> Arc<Hub> {
        let (events, _) = broadcast::channel(FANOUT_CAPACITY);
        Arc::new(Hub { events, wake: Notify::new() })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.events.subscribe()
    }

    /// Called after every committed change.
    pub fn committed(&self) {
        self.wake.notify_one();
    }

    /// Starts the publisher. `poll` also reads on a timer, for writes by other server nodes.
    pub fn spawn_publisher(self: &Arc<Self>, store: Arc<Store>, poll: Option<Duration>) {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut published: Position = loop {
                match store.head().await {
                    Ok(head) => break head,
                    Err(err) => {
                        tracing::error!(%err, "hub: cannot read the stream head; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            loop {
                match poll {
                    Some(every) => {
                        let _ = tokio::time::timeout(every, hub.wake.notified()).await;
                    }
                    None => hub.wake.notified().await,
                }
                loop {
                    match store.events_after(published, READ_BATCH).await {
                        Ok(batch) => {
                            let full = batch.len() as i64 == READ_BATCH;
                            for event in batch {
                                published = event.position;
                                // No receivers is fine: nobody is connected.
                                let _ = hub.events.send(Arc::new(event));
                            }
                            if !full {
                                break;
                            }
                        }
                        Err(err) => {
                            tracing::error!(%err, "hub: cannot read events; will retry on the next change");
                            break;
                        }
                    }
                }
            }
        });
    }
}
