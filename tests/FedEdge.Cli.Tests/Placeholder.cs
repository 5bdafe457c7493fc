namespace FedEdge.Cli.Tests;
