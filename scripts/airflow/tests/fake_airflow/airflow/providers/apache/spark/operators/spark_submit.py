"""Stand-in for apache-airflow-providers-apache-spark's SparkSubmitOperator (constructor only)."""
from airflow import BaseOperator


class SparkSubmitOperator(BaseOperator):
    # The provider's constructor parameters (4.x): an unknown keyword fails here as it would there.
    _OWN_KWARGS = {"application", "conf", "conn_id", "files", "py_files", "archives", "driver_class_path",
                   "jars", "java_class", "packages", "exclude_packages", "repositories", "total_executor_cores",
                   "executor_cores", "executor_memory", "driver_memory", "keytab", "principal", "proxy_user",
                   "name", "num_executors", "status_poll_interval", "application_args", "env_vars", "verbose",
                   "spark_binary", "properties_file", "yarn_queue", "deploy_mode", "use_krb5ccache"}
    template_fields = ("application", "conf", "files", "py_files", "jars", "driver_class_path", "packages",
                       "exclude_packages", "keytab", "principal", "proxy_user", "name", "application_args",
                       "env_vars", "properties_file")
