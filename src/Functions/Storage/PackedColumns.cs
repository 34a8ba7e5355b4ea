using System.Buffers;
using System.IO.Compression;
using Azure.Data.Tables;

namespace Campaigns.Functions.Storage;

/// <summary>
/// A byte payload spread over binary properties <c>E0</c>, <c>E1</c>, ... of one entity, with its count in
/// <c>Chunks</c>. Table Storage caps a property at 64 KiB and an entity at 1 MiB, so one row carries up to
/// <see cref="MaxChunks"/> x <see cref="ChunkBytes"/> bytes: many small records in one row cost one write, not many.
/// Text-like payloads (events, delivery logs) can be written Brotli-compressed (<see cref="WriteCompressed"/>): JSON
/// events shrink about five times, which is what storage bills and moves.
/// </summary>
internal static class PackedColumns
{
    public const int ChunkBytes = 60_000;
    public const int MaxChunks = 15;
    public const int MaxBytes = ChunkBytes * MaxChunks;

    /// <summary>Writes <paramref name="bytes"/> into <paramref name="entity"/>; chunks hold <paramref name="chunkBytes"/> each (aligned to a record size when the reader parses chunk by chunk).</summary>
    public static void Write(TableEntity entity, ReadOnlySpan<byte> bytes, int chunkBytes = ChunkBytes)
    {
        if (chunkBytes is <= 0 or > ChunkBytes)
            throw new ArgumentOutOfRangeException(nameof(chunkBytes));
        var chunks = (bytes.Length + chunkBytes - 1) / chunkBytes;
        if (chunks > MaxChunks)
            throw new InvalidOperationException($"{bytes.Length} bytes do not fit in one row ({MaxChunks} x {chunkBytes})");
        entity["Chunks"] = chunks;
        for (var i = 0; i < chunks; i++)
            entity[$"E{i}"] = bytes.Slice(i * chunkBytes, Math.Min(chunkBytes, bytes.Length - i * chunkBytes)).ToArray();
    }

    /// <summary>The chunks of a row written by <see cref="Write"/>, in order.</summary>
    public static IEnumerable<byte[]> Chunks(TableEntity entity)
    {
        var chunks = entity.GetInt32("Chunks") ?? 0;
        for (var i = 0; i < chunks; i++)
            yield return entity.GetBinary($"E{i}") ?? [];
    }

    /// <summary>Writes <paramref name="bytes"/> Brotli-compressed (fastest quality), marked so that <see cref="OpenRead"/> expands them.</summary>
    public static void WriteCompressed(TableEntity entity, ReadOnlySpan<byte> bytes)
    {
        // A pooled buffer: a page's worst case is a quarter of a megabyte, which would be a large-object allocation
        // for every page written (the chunks written are copies).
        var compressed = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(bytes.Length));
        try
        {
            if (!BrotliEncoder.TryCompress(bytes, compressed, out var length, quality: 1, window: 22))
                throw new InvalidOperationException("Brotli could not compress the payload");
            entity["Codec"] = "br";
            Write(entity, compressed.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    /// <summary>The whole payload of a row written by <see cref="Write"/> or <see cref="WriteCompressed"/>, to read from (not copied again).</summary>
    public static MemoryStream OpenRead(TableEntity entity)
    {
        var parts = Chunks(entity).ToList();
        byte[] all;
        if (parts.Count == 1)
            all = parts[0];
        else
        {
            all = new byte[parts.Sum(p => p.Length)];
            var at = 0;
            foreach (var part in parts)
            {
                part.CopyTo(all, at);
                at += part.Length;
            }
        }
        if (entity.GetString("Codec") != "br")
            return new MemoryStream(all, writable: false);
        var expanded = new MemoryStream(all.Length * 6);
        using (var brotli = new BrotliStream(new MemoryStream(all), CompressionMode.Decompress))
            brotli.CopyTo(expanded);
        return new MemoryStream(expanded.GetBuffer(), 0, (int)expanded.Length, writable: false);
    }
}
