namespace Campaigns.Infra.Tests.Infrastructure;

/// <summary>Paths in the repository the tests run from.</summary>
public static class Repository
{
    /// <summary>The folder holding Campaigns.sln, found upwards from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    public static string Infra => Path.Combine(Root, "infra");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Campaigns.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No Campaigns.sln above {AppContext.BaseDirectory}.");
    }
}
