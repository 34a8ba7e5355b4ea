using Azure.Data.Tables;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Tests.Storage;

/// <summary>A packed payload comes back byte for byte, however many columns it took and whether it was compressed.</summary>
public sealed class PackedColumnsTests
{
    private static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes); // random bytes do not compress: a compressed payload still spans columns
        return bytes;
    }

    private static byte[] ReadBack(TableEntity entity)
    {
        using var stream = PackedColumns.OpenRead(entity);
        Assert.False(stream.CanWrite);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(PackedColumns.ChunkBytes)]
    [InlineData(PackedColumns.ChunkBytes * 3 + 17)]
    public void A_payload_written_plain_reads_back_byte_for_byte(int length)
    {
        var payload = Payload(length, length);
        var entity = new TableEntity("p", "r");
        PackedColumns.Write(entity, payload);
        Assert.Equal(payload, ReadBack(entity));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(PackedColumns.ChunkBytes * 3 + 17)]
    public void A_payload_written_compressed_reads_back_byte_for_byte(int length)
    {
        var payload = Payload(length, length);
        var entity = new TableEntity("p", "r");
        PackedColumns.WriteCompressed(entity, payload);
        Assert.Equal("br", entity.GetString("Codec"));
        Assert.Equal(payload, ReadBack(entity));
    }

    [Fact]
    public void Rows_compressed_one_after_the_other_keep_their_own_bytes()
    {
        var (large, small) = (Payload(200_000, 1), Payload(1_000, 2));
        var (first, second) = (new TableEntity("p", "1"), new TableEntity("p", "2"));
        PackedColumns.WriteCompressed(first, large);
        PackedColumns.WriteCompressed(second, small);
        Assert.Equal(large, ReadBack(first));
        Assert.Equal(small, ReadBack(second));
    }

    [Fact]
    public void Text_compresses_to_fewer_columns_than_it_would_take_plain()
    {
        var text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"type\":\"call.started\",\"phone\":\"+14155550100\"}", 5_000)));
        var (plain, compressed) = (new TableEntity("p", "1"), new TableEntity("p", "2"));
        PackedColumns.Write(plain, text);
        PackedColumns.WriteCompressed(compressed, text);
        Assert.True(compressed.GetInt32("Chunks") < plain.GetInt32("Chunks"));
        Assert.Equal(text, ReadBack(compressed));
    }
}
