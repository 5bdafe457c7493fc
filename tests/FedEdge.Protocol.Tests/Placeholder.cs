namespace FedEdge.Protocol.Tests;
