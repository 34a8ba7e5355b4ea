using System.Net;
using System.Text.Json.Nodes;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;

namespace Campaigns.LocalHost.Tests.Http;

/// <summary>
/// Bodies stream through the host's proxy hop in both directions. A 30 MB upload reaches the function while it is
/// still being sent: the client holds back most of its body until the function has recorded its first megabyte,
/// which cannot happen if the host collects the request first. A 32 MB download passes without this process (host
/// and client) allocating anywhere near its size.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_large_bodies_stream_through_the_proxy(StorageFixture storage, ITestOutputHelper output)
{
    private const long UploadSize = 30L * 1024 * 1024;
    private const int DownloadMegabytes = 32;

    [Fact]
    public async Task A_30MB_upload_reaches_the_function_before_it_is_all_sent_and_a_32MB_download_is_not_held_in_memory()
    {
        await using var app = await SampleApp.StartAsync(storage, output);

        var content = new GatedContent(UploadSize, holdAfter: 4 * 1024 * 1024,
            gate: () => Eventually.UntilAsync(() => app.RecordsAsync("receive", "big"), r => r.Count > 0, "the function read its first megabyte"));
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using (var response = await app.Http.PostAsync("receive/big", content))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(UploadSize, result["received"]!.GetValue<long>());
            Assert.True(result["intact"]!.GetValue<bool>(), "the function saw other bytes than those sent");
        }
        Assert.True(content.HeldBack, "the client never had to wait: the test proves nothing");
        var uploadAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using (var response = await app.Http.GetAsync($"big?mb={DownloadMegabytes}", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var (received, intact) = await ReadAllAsync(await response.Content.ReadAsStreamAsync());
            Assert.Equal(DownloadMegabytes * 1024L * 1024, received);
            Assert.True(intact);
        }
        var downloadAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        output.WriteLine($"allocated in this process: upload {uploadAllocated / 1024} KB, download {downloadAllocated / 1024} KB");
        Assert.True(uploadAllocated < UploadSize / 3, $"the upload allocated {uploadAllocated} bytes: something buffered it");
        Assert.True(downloadAllocated < DownloadMegabytes * 1024L * 1024 / 3, $"the download allocated {downloadAllocated} bytes: something buffered it");
    }

    [Fact]
    public async Task A_body_is_echoed_back_unchanged()
    {
        await using var app = await SampleApp.StartAsync(storage, output);
        var body = Enumerable.Range(0, 300_000).Select(i => (byte)(i % 253)).ToArray();

        using var response = await app.Http.PostAsync("echo", new ByteArrayContent(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>Reads to the end, checking the pattern <c>i % 251</c> of every megabyte, with one reused buffer.</summary>
    private static async Task<(long Received, bool Intact)> ReadAllAsync(Stream body)
    {
        var buffer = new byte[64 * 1024];
        long received = 0;
        var intact = true;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
                intact &= buffer[i] == (byte)((received + i) % (1024 * 1024) % 251);
            received += read;
        }
        return (received, intact);
    }

    /// <summary>A body of <c>i % 251</c> per megabyte that stops after <c>holdAfter</c> bytes until the gate passes.</summary>
    private sealed class GatedContent(long length, long holdAfter, Func<Task> gate) : HttpContent
    {
        public bool HeldBack { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            long sent = 0;
            while (sent < length)
            {
                if (sent >= holdAfter && !HeldBack)
                {
                    HeldBack = true;
                    await stream.FlushAsync();
                    await gate(); // throws (and fails the test) if the function never sees the first bytes
                }
                var count = (int)Math.Min(chunk.Length, length - sent);
                for (var i = 0; i < count; i++)
                    chunk[i] = (byte)((sent + i) % (1024 * 1024) % 251);
                await stream.WriteAsync(chunk.AsMemory(0, count));
                sent += count;
            }
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }
}
