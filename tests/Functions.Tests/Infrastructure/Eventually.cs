namespace Campaigns.Functions.Tests.Infrastructure;

/// <summary>Waits for a condition that the app reaches by itself (queues and timers run in the background).</summary>
public static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        T last;
        while (true)
        {
            last = await read();
            if (done(last))
                return last;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out waiting until {what}; last seen: {last}");
            await Task.Delay(Poll);
        }
    }
}
