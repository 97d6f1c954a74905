//! The emulator's response body: whole, chunked, or misbehaving on purpose.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// What the body does after its first bytes.
#[derive(Debug)]
pub(crate) enum Then {
    /// Fail after a short pause (so the bytes before are flushed), which makes hyper abort the
    /// connection: a truncated body.
    Abort(Pin<Box<tokio::time::Sleep>>),
    /// Never finish: a stalled body.
    Stall,
}

#[derive(Debug)]
pub(crate) enum EmuBody {
    /// A whole body with a known length.
    Full(Option<Bytes>),
    /// Chunks of unknown total length (chunked transfer encoding).
    Chunks(VecDeque<Bytes>),
    /// Some bytes, then an abort or a stall; the head declares a longer `Content-Length`.
    Partial(Option<Bytes>, Then),
}

impl EmuBody {
    pub(crate) fn full(b: impl Into<Bytes>) -> Self {
        EmuBody::Full(Some(b.into()))
    }

    pub(crate) fn empty() -> Self {
        EmuBody::Full(None)
    }
}

impl Body for EmuBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            EmuBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            EmuBody::Chunks(chunks) => Poll::Ready(chunks.pop_front().map(|b| Ok(Frame::data(b)))),
            EmuBody::Partial(first, then) => match (first.take(), then) {
                (Some(b), _) => Poll::Ready(Some(Ok(Frame::data(b)))),
                (None, Then::Abort(pause)) => match pause.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        Poll::Ready(Some(Err(std::io::Error::other("emulated truncated body"))))
                    }
                    Poll::Pending => Poll::Pending,
                },
                // Pending without a wake-up: the connection stays open and silent until the client
                // gives up or the emulator shuts down.
                (None, Then::Stall) => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, EmuBody::Full(None)) || matches!(self, EmuBody::Chunks(c) if c.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            EmuBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            _ => SizeHint::default(),
        }
    }
}
