using Campaigns.Infra.Tests.Infrastructure;

namespace Campaigns.Infra.Tests;

/// <summary>Every .bicep file under infra/ builds and lints with the Bicep CLI from NuGet, with no error and no warning.</summary>
public sealed class The_templates
{
    [Fact]
    public async Task Build_without_errors_or_warnings_every_one_of_them()
    {
        var infra = await CompiledInfra.GetAsync();

        Assert.True(infra.Build.ExitCode == 0, $"bicep build failed:\n{infra.Build.StandardError}");
        Assert.True(infra.Build.Diagnostics.Count == 0, "bicep build reported:\n" + string.Join('\n', infra.Build.Diagnostics));
        Assert.Contains("main.bicep", infra.BicepFiles);
        Assert.Equal(infra.BicepFiles, infra.Compiled.Keys.Order(StringComparer.Ordinal)); // the glob reached every file
    }

    [Fact]
    public async Task Lint_without_errors_or_warnings_every_one_of_them()
    {
        var infra = await CompiledInfra.GetAsync();

        Assert.True(infra.Lint.ExitCode == 0, $"bicep lint failed:\n{infra.Lint.StandardError}");
        Assert.True(infra.Lint.Diagnostics.Count == 0, "bicep lint reported:\n" + string.Join('\n', infra.Lint.Diagnostics));
    }

    /// <summary>The two checks above pass on silence; this one shows that a warning, had there been one, would be heard.</summary>
    [Fact]
    public async Task Are_checked_by_a_lint_that_reports_a_warning_in_a_template_that_has_one()
    {
        var dir = Directory.CreateTempSubdirectory("campaigns-bicep-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "unused.bicep"), "param unused string\n");

            var lint = await BicepCli.RunAsync(dir.FullName, "lint", "--pattern", "**/*.bicep");

            Assert.Contains(lint.Diagnostics, d => d.Level == "Warning" && d.Code == "no-unused-params" && d.File.EndsWith("unused.bicep", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
