//! Copy-on-write storage for the dataset: a [`Column`] is a list cut into fixed-size chunks, each
//! shared behind an `Arc`, and an [`IdMap`] is a hash map split into a large shared part and a
//! small private one. Cloning either copies pointers, not values, so a writer that finds a reader
//! still holding the previous dataset copies only what it changes: one chunk per changed column,
//! never the whole dataset (docs/product.md §6).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// Values per chunk (16,384): a changed value copies at most this many of its column's values.
const CHUNK_BITS: u32 = 14;
const CHUNK: usize = 1 << CHUNK_BITS;
const MASK: usize = CHUNK - 1;

/// A list of values in shared chunks: indexing is two lookups, cloning copies one pointer per
/// chunk, and changing or appending a value copies (at most) the one chunk it is in.
#[derive(Clone)]
pub struct Column<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Column<T> {
    fn default() -> Self {
        Column { chunks: Vec::new(), len: 0 }
    }
}

impl<T> Column<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        (i < self.len).then(|| &self.chunks[i >> CHUNK_BITS][i & MASK])
    }

    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).map(|i| &self[i])
    }

    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }

    /// The values in order (double-ended and of known length).
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { column: self, front: 0, back: self.len }
    }

    /// The values at `range`, in order.
    pub fn iter_range(&self, range: std::ops::Range<usize>) -> Iter<'_, T> {
        assert!(range.start <= range.end && range.end <= self.len, "{range:?} out of a column of {}", self.len);
        Iter { column: self, front: range.start, back: range.end }
    }

    /// The values in chunks, as slices, in order.
    pub fn slices(&self) -> impl Iterator<Item = &[T]> {
        self.chunks.iter().map(|c| c.as_slice())
    }

    /// The first index whose value does not satisfy `pred`, for values partitioned by it (all
    /// that satisfy it first), as [`slice::partition_point`].
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        // The first chunk whose last value fails holds the point; chunks before it all pass.
        let k = self.chunks.partition_point(|c| c.last().is_some_and(&mut pred));
        match self.chunks.get(k) {
            Some(chunk) => (k << CHUNK_BITS) + chunk.partition_point(pred),
            None => self.len,
        }
    }

    /// How many chunks the column is in (for memory accounting).
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }
}

impl<T: Clone> Column<T> {
    pub fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => Arc::make_mut(chunk).push(value),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(Arc::new(chunk));
            }
        }
        self.len += 1;
    }

    /// The value at `i`, to change: copies its chunk first if a reader shares it.
    ///
    /// Panics when `i` is out of bounds, as indexing does.
    pub fn get_mut(&mut self, i: usize) -> &mut T {
        assert!(i < self.len, "index {i} out of a column of {}", self.len);
        &mut Arc::make_mut(&mut self.chunks[i >> CHUNK_BITS])[i & MASK]
    }

    pub fn set(&mut self, i: usize, value: T) {
        *self.get_mut(i) = value;
    }

    /// Sets every value to `value` (each chunk copied at most once).
    pub fn fill(&mut self, value: T) {
        for chunk in &mut self.chunks {
            Arc::make_mut(chunk).iter_mut().for_each(|v| *v = value.clone());
        }
    }
}

impl<T: Clone> Extend<T> for Column<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        for value in values {
            self.push(value);
        }
    }
}

impl<T: Clone> FromIterator<T> for Column<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let mut column = Column::new();
        column.extend(values);
        column
    }
}

impl<T: Clone> From<Vec<T>> for Column<T> {
    fn from(values: Vec<T>) -> Self {
        values.into_iter().collect()
    }
}

impl<T> std::ops::Index<usize> for Column<T> {
    type Output = T;

    #[inline]
    fn index(&self, i: usize) -> &T {
        assert!(i < self.len, "index {i} out of a column of {}", self.len);
        // SAFETY: every chunk but the last holds exactly CHUNK values and the last holds the
        // rest, so `i < len` puts chunk `i >> CHUNK_BITS` in `chunks` and `i & MASK` in it.
        unsafe { self.chunks.get_unchecked(i >> CHUNK_BITS).get_unchecked(i & MASK) }
    }
}

/// Writing through an index copies the value's chunk first if a reader shares it.
impl<T: Clone> std::ops::IndexMut<usize> for Column<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        self.get_mut(i)
    }
}

impl<T: PartialEq> PartialEq for Column<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T> IntoIterator for &'a Column<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// The values of a [`Column`], in order.
pub struct Iter<'a, T> {
    column: &'a Column<T>,
    front: usize,
    back: usize,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        (self.front < self.back).then(|| {
            let i = self.front;
            self.front += 1;
            // SAFETY: `front < back <= len` (see `Index`).
            unsafe { self.column.chunks.get_unchecked(i >> CHUNK_BITS).get_unchecked(i & MASK) }
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.front < self.back).then(|| {
            self.back -= 1;
            let i = self.back;
            // SAFETY: `front <= back < len` (see `Index`).
            unsafe { self.column.chunks.get_unchecked(i >> CHUNK_BITS).get_unchecked(i & MASK) }
        })
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}

/// How large the private part of an [`IdMap`] may grow before it is folded into the shared one:
/// an eighth of the shared part, and at least this many.
const RECENT_MIN: usize = 4096;

/// A hash map whose bulk is shared: new keys go to a small private map, folded into the shared
/// one when it grows past an eighth of it, so a clone copies only the private part and the
/// occasional fold costs, spread over the keys added since the last, a constant per key.
#[derive(Clone)]
pub struct IdMap<K, V> {
    shared: Arc<HashMap<K, V>>,
    recent: HashMap<K, V>,
}

impl<K, V> Default for IdMap<K, V> {
    fn default() -> Self {
        IdMap { shared: Arc::new(HashMap::new()), recent: HashMap::new() }
    }
}

impl<K: Hash + Eq + Clone, V: Copy> IdMap<K, V> {
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.recent.get(key).or_else(|| self.shared.get(key)).copied()
    }

    pub fn insert(&mut self, key: K, value: V) {
        self.recent.insert(key, value);
        if self.recent.len() > RECENT_MIN.max(self.shared.len() / 8) {
            let shared = Arc::make_mut(&mut self.shared);
            shared.extend(self.recent.drain());
        }
    }

    pub fn len(&self) -> usize {
        self.shared.len() + self.recent.iter().filter(|(k, _)| !self.shared.contains_key(*k)).count()
    }

    pub fn is_empty(&self) -> bool {
        self.shared.is_empty() && self.recent.is_empty()
    }
}

impl<K: Hash + Eq + Clone, V: Copy> FromIterator<(K, V)> for IdMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        IdMap { shared: Arc::new(pairs.into_iter().collect()), recent: HashMap::new() }
    }
}

impl<K: std::fmt::Debug, V: std::fmt::Debug> std::fmt::Debug for IdMap<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdMap").field("shared", &self.shared.len()).field("recent", &self.recent.len()).finish()
    }
}

/// A column is written as the plain sequence of its values and read back into fresh chunks.
impl<T: serde::Serialize> serde::Serialize for Column<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, T: serde::Deserialize<'de> + Clone> serde::Deserialize<'de> for Column<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Values<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de> + Clone> serde::de::Visitor<'de> for Values<T> {
            type Value = Column<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sequence of column values")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Column<T>, A::Error> {
                // No capacity from the announced length: a damaged file cannot make it allocate.
                let mut column = Column::new();
                while let Some(value) = seq.next_element()? {
                    column.push(value);
                }
                Ok(column)
            }
        }
        deserializer.deserialize_seq(Values(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_reads_back_what_was_pushed_across_chunks() {
        let column: Column<usize> = (0..CHUNK * 2 + 5).collect();
        assert_eq!(column.len(), CHUNK * 2 + 5);
        assert_eq!(column.chunk_count(), 3);
        assert!(column.iter().enumerate().all(|(i, &v)| v == i));
        assert!(column.iter().rev().enumerate().all(|(k, &v)| v == column.len() - 1 - k));
        assert_eq!(column[CHUNK], CHUNK);
        assert_eq!(column.last(), Some(&(CHUNK * 2 + 4)));
        assert_eq!(column.get(CHUNK * 2 + 5), None);
        for target in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, CHUNK * 2 + 4, CHUNK * 2 + 5, CHUNK * 3] {
            assert_eq!(column.partition_point(|&v| v < target), target.min(column.len()), "{target}");
        }
        assert_eq!(Column::<u8>::new().partition_point(|_| true), 0);
    }

    #[test]
    fn a_change_copies_one_chunk_and_leaves_the_clone_as_it_was() {
        let before: Column<u32> = (0..(CHUNK * 3) as u32).collect();
        let mut after = before.clone();
        after.set(CHUNK + 7, 1_000_000);
        after.push(42);
        assert_eq!(before[CHUNK + 7], (CHUNK + 7) as u32);
        assert_eq!(before.len(), CHUNK * 3);
        assert_eq!(after[CHUNK + 7], 1_000_000);
        assert_eq!(after[CHUNK * 3], 42);
        // The untouched chunks are still shared; only the changed one was copied.
        assert!(Arc::ptr_eq(&before.chunks[0], &after.chunks[0]));
        assert!(Arc::ptr_eq(&before.chunks[2], &after.chunks[2]));
        assert!(!Arc::ptr_eq(&before.chunks[1], &after.chunks[1]));
    }

    #[test]
    fn an_id_map_finds_keys_before_and_after_a_fold_and_clones_stay_apart() {
        let mut map: IdMap<i64, usize> = (0..10_000i64).map(|k| (k, k as usize)).collect();
        let snapshot = map.clone();
        for k in 10_000..20_000i64 {
            map.insert(k, k as usize * 2);
        }
        assert!(map.recent.len() <= RECENT_MIN.max(map.shared.len() / 8));
        assert_eq!(map.get(&5), Some(5));
        assert_eq!(map.get(&15_000), Some(30_000));
        assert_eq!(map.len(), 20_000);
        assert_eq!(snapshot.get(&15_000), None);
        assert_eq!(snapshot.len(), 10_000);
        map.insert(5, 99);
        assert_eq!(map.get(&5), Some(99));
        assert_eq!(snapshot.get(&5), Some(5));
    }
}
