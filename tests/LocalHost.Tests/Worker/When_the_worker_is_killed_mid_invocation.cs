using System.Diagnostics;
using Azure.Storage.Queues;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.LocalHost.Tests.Infrastructure;

namespace Campaigns.LocalHost.Tests.Worker;

/// <summary>
/// The worker process dies (kill -9) while a queue message is being processed. The host notices the stream and the
/// process end, starts a new worker, and the unsettled message comes back after the visibility timeout and completes
/// on the new worker with dequeue count 2.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class When_the_worker_is_killed_mid_invocation(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task A_new_worker_is_started_and_the_message_is_redelivered_and_completes()
    {
        await using var app = await SampleApp.StartAsync(storage, output);
        var queue = new QueueClient(storage.ConnectionString, app.Settings["WorkQueue"], new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        var firstPid = app.Host.Worker.CurrentWorker!.ProcessId!.Value;

        var id = (await queue.SendMessageAsync("hang-once")).Value.MessageId;
        await Eventually.UntilAsync(() => app.RecordsAsync("queue", id), r => r.Count > 0, "the first delivery started");
        using (var worker = Process.GetProcessById(firstPid))
            worker.Kill(); // SIGKILL: no goodbye on the stream

        var records = await Eventually.UntilAsync(() => app.RecordsAsync("queue", id),
            r => r.Any(x => SampleApp.Stage(x) == "completed"), "the message completed on a new worker", TimeSpan.FromSeconds(60));
        var completed = records.Single(x => SampleApp.Stage(x) == "completed");
        Assert.Equal(2L, SampleApp.DequeueCount(completed));
        Assert.Equal(2, app.Host.Worker.WorkersStarted);
        Assert.NotEqual(firstPid, app.Host.Worker.CurrentWorker!.ProcessId);
        await Eventually.UntilAsync(async () => (await queue.PeekMessagesAsync()).Value.Length + app.Host.Invocations.InFlight, n => n == 0, "the message was deleted");
    }
}
